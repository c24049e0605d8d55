"""A synthetic world with planted influence operations and ground truth, for scoring detectors.

See :func:`cibwatch.synthetic.world.generate_world` and the ``cibwatch synth`` command.
"""

from cibwatch.synthetic.world import WorldManifest, generate_world

__all__ = ["WorldManifest", "generate_world"]
