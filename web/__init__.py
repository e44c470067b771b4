"""The web portal (`parindex web`): units act on their own tasks, staff watch and operate the season."""
