"""The sociological survey online: respondents answering at their links, the survey body closing it."""
