r"""Saving and loading fitted ensembles, bit-exact, without unpickling anything.

A checkpoint holds the configuration (plain values), the training data and the model's
``state_dict`` (standardization statistics, pretrained and fitted weights). It is read with
``torch.load(weights_only=True)``, so a file carrying arbitrary pickled objects is refused
instead of executed.
"""

from __future__ import annotations

import os
import pickle

import torch

from botorch_mentor.config import MentoringConfig
from botorch_mentor.models.ensemble import MentoringEnsemble

FORMAT = "botorch_mentor.MentoringEnsemble"
VERSION = 1


def save_ensemble(model: MentoringEnsemble, path: str | os.PathLike) -> None:
    r"""Write ``model`` (configuration and all tensors) to ``path``."""
    if not isinstance(model, MentoringEnsemble):
        raise TypeError(f"model must be a MentoringEnsemble, got {type(model).__name__}.")
    for name in ("input_transform", "outcome_transform"):
        if hasattr(model, name):
            raise ValueError(
                f"save_ensemble does not store a model with an {name}; save "
                "model.state_dict() with torch.save and rebuild the model with the same "
                "transform before load_state_dict."
            )
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "config": model.config.to_dict(),
        "train_X": model.train_X.detach().cpu(),
        "train_Y": model.train_Y.detach().cpu(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }
    tmp = f"{os.fspath(path)}.tmp"
    torch.save(payload, tmp)
    os.replace(tmp, path)  # never a half-written checkpoint


def load_ensemble(
    path: str | os.PathLike, map_location: str | torch.device | None = None
) -> MentoringEnsemble:
    r"""Read a checkpoint written by ``save_ensemble``; predictions are bit-identical."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint at {path}.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise ValueError(
            f"{path} is not a safe botorch_mentor checkpoint: it holds objects that only "
            "unpickling could restore, which is refused (it can run code)."
        ) from error
    except (RuntimeError, OSError, EOFError) as error:  # a cut or damaged archive
        raise ValueError(
            f"{path} is truncated or corrupted ({type(error).__name__}); it cannot be read. "
            "Write it again with save_ensemble."
        ) from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a botorch_mentor ensemble checkpoint.")
    if payload.get("version") != VERSION:
        raise ValueError(
            f"{path} has checkpoint version {payload.get('version')}; this library reads "
            f"version {VERSION}."
        )
    config = MentoringConfig.from_dict(payload["config"])
    state = payload["state_dict"]
    model = MentoringEnsemble(payload["train_X"], payload["train_Y"], config=config)
    model.load_state_dict(state)
    if map_location is not None:
        model = model.to(map_location)
    return model.eval()
