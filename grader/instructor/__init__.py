"""The instructor's side: grading a whole class and the course's own graders.

``batch`` (and its command line ``batch_cli``) grades many submissions in parallel and
resumably; ``gradebook`` writes the class's CSVs; ``insights`` the class report page;
``autograde`` grades one upload for Gradescope, PrairieLearn or a container. None of this is
part of the student release.
"""
