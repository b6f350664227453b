r"""``attach_dataset``: a static table as completed trials of an Ax experiment."""

from __future__ import annotations

import math

import pandas as pd
from ax.api.client import Client
from ax.core.data import Data
from ax.core.parameter import ChoiceParameter, RangeParameter


def attach_dataset(client: Client, frame: pd.DataFrame, objective: str) -> list[int]:
    r"""Attach every row of ``frame`` as a completed trial with its ``objective`` value.

    The frame has one column per parameter of the client's experiment and one column named
    ``objective``. Every row is validated first (missing or non-finite values, values outside
    a range parameter's bounds or a choice parameter's values), and the first bad row is
    reported by row label and column; nothing is attached unless all rows are valid.

    Returns:
        The trial indices, in row order.
    """
    experiment = client._experiment  # the public Client has no accessor for it
    if experiment.optimization_config is not None:
        config = experiment.optimization_config
        if config.is_moo_problem:
            raise ValueError(
                "multi-objective experiments are not supported by botorch_mentor; configure a "
                "single objective."
            )
        if config.outcome_constraints:
            raise ValueError(
                "outcome constraints are not supported by botorch_mentor; remove them from "
                "configure_optimization."
            )
    parameters = experiment.search_space.parameters
    missing = [name for name in [*parameters, objective] if name not in frame.columns]
    if missing:
        raise ValueError(
            f"frame is missing column(s) {missing}; it needs one column per parameter "
            f"({list(parameters)}) and the objective {objective!r}."
        )
    rows = []
    for label, row in frame.iterrows():
        value = row[objective]
        if not _is_finite_number(value):
            raise ValueError(
                f"row {label!r}, column {objective!r}: {value!r} is not a finite number."
            )
        parameters_of_row = {}
        for name, parameter in parameters.items():
            parameters_of_row[name] = _check_value(parameter, row[name], label, name)
        rows.append((parameters_of_row, float(value)))
    if objective not in experiment.metrics:
        raise ValueError(
            f"objective {objective!r} is not a metric of the experiment; configure it with "
            f"client.configure_optimization(objective={objective!r}) first."
        )
    # Bulk path: one trial per row through the experiment, one Data frame for all values.
    # (Client.attach_trial/complete_trial re-read all data per row: quadratic in the rows.)
    indices, arm_names = [], []
    for parameters_of_row, _ in rows:
        arms, index = experiment.attach_trial(parameterizations=[parameters_of_row])
        indices.append(index)
        arm_names.append(next(iter(arms)))
    data = pd.DataFrame(
        {
            "trial_index": indices,
            "arm_name": arm_names,
            "metric_name": objective,
            "metric_signature": experiment.metrics[objective].signature,
            "mean": [value for _, value in rows],
            "sem": float("nan"),
        }
    )
    experiment.attach_data(Data(df=data))
    for index in indices:
        experiment.trials[index].mark_completed()
    return indices


def _is_finite_number(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _check_value(parameter, value, label, name):
    if isinstance(parameter, RangeParameter):
        if not _is_finite_number(value):
            raise ValueError(f"row {label!r}, column {name!r}: {value!r} is not a finite number.")
        number = float(value)
        if not parameter.lower <= number <= parameter.upper:
            raise ValueError(
                f"row {label!r}, column {name!r}: {number} is outside the bounds "
                f"[{parameter.lower}, {parameter.upper}]."
            )
        if parameter.parameter_type.name == "INT":
            if number != int(number):
                raise ValueError(f"row {label!r}, column {name!r}: {number} is not an integer.")
            return int(number)
        return number
    if isinstance(parameter, ChoiceParameter):
        if pd.isna(value) if not isinstance(value, (list, tuple)) else False:
            raise ValueError(f"row {label!r}, column {name!r}: missing value.")
        if value not in parameter.values:
            raise ValueError(
                f"row {label!r}, column {name!r}: {value!r} is not one of the choice values "
                f"{parameter.values}."
            )
        return value
    return value
