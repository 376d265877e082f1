"""Pictures of a logistic regression: the public name of :mod:`logistic.pictures.plots`.

``import logistic.plots`` gives that very module (one module object, two names).
"""

import sys

from .pictures import plots as _plots

sys.modules[__name__] = _plots
