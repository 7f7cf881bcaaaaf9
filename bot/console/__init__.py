"""The counsellors' and admins' web console, mounted by the main app at /console."""
