"""The real parts the HyperPod/Slurm tests talk to: set-up, description, helpers."""
