"""Staff curation: the live knowledge in the database (documents, edits, audit log),
publishing a retrained model, the unanswered queue."""
