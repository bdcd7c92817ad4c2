"""Slurm on a HyperPod (or any) cluster: parsers, linter and a client over a transport.

No Textual here. :class:`~console.slurm.client.SlurmClient` runs Slurm's commands through
a :class:`~console.remote.base.Transport` and returns the typed records of
:mod:`console.slurm.records`.
"""
