"""Hypothesis settings for mutation testing (``[tool.mutmut]`` loads this as a plugin).

A mutant only has to fail, so a failing example fails at once instead of being
shrunk to its simplest form, which can take a minute per mutant.
"""

from hypothesis import Phase, settings

settings.register_profile("mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile("mutation")
