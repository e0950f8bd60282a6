"""The daily digest: what was said about the force yesterday, for command's breakfast email.

figures.py asks Elasticsearch, charts.py draws, render.py writes HTML and text,
message.py packs the email, send.py delivers it, archive.py keeps every one, and
daily.py runs those steps for the DAG and the `earshot digest` command.
"""
