"""Randomisation, pure: allocation designs, seeded lists, minimisation and verification.

* :mod:`~radtrial.trial.randomisation.stream`: the seeded random stream (PCG64, stable arithmetic);
* :mod:`~radtrial.trial.randomisation.design`: the design read from a protocol, and strata;
* :mod:`~radtrial.trial.randomisation.blocks`: permuted blocks with random block sizes;
* :mod:`~radtrial.trial.randomisation.minimisation`: Pocock–Simon minimisation;
* :mod:`~radtrial.trial.randomisation.lists`: serving and verifying a list.
"""

from radtrial.trial.randomisation.blocks import Slot, block_counts, permuted_blocks
from radtrial.trial.randomisation.design import (
    ALL,
    AllocationDesign,
    Factor,
    MinimisationDesign,
    design_from_protocol,
)
from radtrial.trial.randomisation.lists import (
    Allocation,
    UsedSlot,
    VerificationProblem,
    VerificationReport,
    allocate,
    list_content,
    list_sha256,
    verify,
)
from radtrial.trial.randomisation.minimisation import (
    MinimisationChoice,
    MinimisationTally,
    minimisation_draws,
)
from radtrial.trial.randomisation.stream import STREAM_ALGORITHM, SeededStream, seed_sha256

__all__ = [
    "ALL",
    "STREAM_ALGORITHM",
    "Allocation",
    "AllocationDesign",
    "Factor",
    "MinimisationChoice",
    "MinimisationDesign",
    "MinimisationTally",
    "SeededStream",
    "Slot",
    "UsedSlot",
    "VerificationProblem",
    "VerificationReport",
    "allocate",
    "block_counts",
    "design_from_protocol",
    "list_content",
    "list_sha256",
    "minimisation_draws",
    "permuted_blocks",
    "seed_sha256",
    "verify",
]
