"""``fit_mentoring_ensemble`` takes only its own arguments."""

import pytest

from botorch_mentor import MentoringEnsemble, fit_mentoring_ensemble
from tests.conftest import quadratic_data, tiny_config


def test_unknown_keyword_arguments_are_refused():
    X, Y = quadratic_data(40)
    model = MentoringEnsemble(X, Y, config=tiny_config())
    with pytest.raises(TypeError, match="unexpected keyword argument 'epochs'"):
        fit_mentoring_ensemble(model, epochs=3)
    assert not bool(model.is_fitted)
