"""Offline MBO tasks: the data, the design representation, the oracle, the normalization."""

from botorch_mentor.tasks.base import LookupOracle, OfflineTask
from botorch_mentor.tasks.design_bench import from_design_bench_folder, from_design_bench_task
from botorch_mentor.tasks.mujoco import (
    MUJOCO_TASKS,
    ARSSettings,
    MujocoPolicyTask,
    PolicyOracle,
    PolicyTaskSpec,
    mujoco_environments,
    mujoco_policy,
)
from botorch_mentor.tasks.registry import TaskEntry, get_task, list_tasks
from botorch_mentor.tasks.rna import (
    RNA_TOKENS,
    DuplexOracle,
    RNABindingTask,
    reverse_complement,
    rna_binding,
    rna_to_tokens,
    tokens_to_rna,
)
from botorch_mentor.tasks.superconductor import (
    ForestOracle,
    superconductor_oracle,
    superconductor_table,
    superconductor_task,
)
from botorch_mentor.tasks.synthetic import SYNTHETIC_TASKS, synthetic_task
from botorch_mentor.tasks.tfbind import decode_dna, encode_dna, tfbind8, tfbind8_table

__all__ = [
    "MUJOCO_TASKS",
    "ARSSettings",
    "MujocoPolicyTask",
    "PolicyOracle",
    "PolicyTaskSpec",
    "TaskEntry",
    "mujoco_environments",
    "mujoco_policy",
    "RNA_TOKENS",
    "DuplexOracle",
    "RNABindingTask",
    "reverse_complement",
    "rna_binding",
    "rna_to_tokens",
    "tokens_to_rna",
    "ForestOracle",
    "superconductor_oracle",
    "superconductor_table",
    "superconductor_task",
    "SYNTHETIC_TASKS",
    "LookupOracle",
    "OfflineTask",
    "decode_dna",
    "encode_dna",
    "from_design_bench_folder",
    "from_design_bench_task",
    "get_task",
    "list_tasks",
    "synthetic_task",
    "tfbind8",
    "tfbind8_table",
]
