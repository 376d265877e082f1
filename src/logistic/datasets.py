"""The tutorials' toy data: the public name of :mod:`logistic.files.datasets`.

``import logistic.datasets`` gives that very module (one module object, two names).
"""

import sys

from .files import datasets as _datasets

sys.modules[__name__] = _datasets
