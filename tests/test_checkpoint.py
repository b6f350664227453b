import pickle

import pytest
import torch

from botorch_mentor import load_ensemble, optimize_designs, save_ensemble


class Evil:
    def __reduce__(self):
        return (print, ("this would have run",))


def test_round_trip_is_bit_exact(fitted_model, tmp_path):
    path = tmp_path / "model.pt"
    save_ensemble(fitted_model, path)
    loaded = load_ensemble(path)
    X = torch.rand(11, 4, dtype=torch.float64)
    assert torch.equal(loaded.posterior(X).values, fitted_model.posterior(X).values)
    assert loaded.config == fitted_model.config
    start = fitted_model.train_X[:3]
    assert torch.equal(optimize_designs(loaded, start, steps=2).designs,
                       optimize_designs(fitted_model, start, steps=2).designs)


def test_pickled_payload_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "botorch_mentor.MentoringEnsemble", "evil": Evil()}, path)
    with pytest.raises(ValueError, match="unpickling"):
        load_ensemble(path)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ValueError, match="refused"):
        load_ensemble(raw)


def test_foreign_file_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not a botorch_mentor"):
        load_ensemble(path)


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.9])
def test_truncated_checkpoint_is_reported_as_truncated(fitted_model, tmp_path, keep):
    path = tmp_path / "model.pt"
    save_ensemble(fitted_model, path)
    data = path.read_bytes()
    path.write_bytes(data[: int(keep * len(data))])
    with pytest.raises(ValueError, match="truncated or corrupted") as error:
        load_ensemble(path)
    assert "unpickling" not in str(error.value)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_ensemble(tmp_path / "missing.pt")
