"""Hugging Face Hub access with failures turned into messages that say what to do."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from huggingface_hub import hf_hub_download, try_to_load_from_cache
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

from qpyt_gradio.errors import ModelUnavailable
from qpyt_gradio.models.detect import family_of_model_index, read_json

log = logging.getLogger(__name__)

OFFLINE_HINT = (
    "Connect to the internet once to download it, put a diffusers folder or a .safetensors file in the "
    "models folder, or start with --demo to try the tiny offline models."
)


@contextlib.contextmanager
def hub_errors(repo_id: str) -> Iterator[None]:
    """Turn hub failures inside the block into :class:`ModelUnavailable`."""
    try:
        yield
    except GatedRepoError:
        raise ModelUnavailable(
            f"{repo_id} is gated: accept its licence on huggingface.co, then log in with `hf auth login` "
            "or set HF_TOKEN."
        ) from None
    except RepositoryNotFoundError:
        raise ModelUnavailable(f"{repo_id} was not found on the Hugging Face Hub (check the spelling).") from None
    except OSError as error:
        if "safetensors" in str(error):
            raise ModelUnavailable(
                f"{repo_id} has no .safetensors weights, and Qpyt-UI does not load pickle weights (.bin, .ckpt, .pt): "
                "choose a model published with safetensors."
            ) from None
        log.info("hub access for %s failed: %s", repo_id, error)
        raise ModelUnavailable(
            f"{repo_id} is not in the local Hugging Face cache and the Hub cannot be reached. {OFFLINE_HINT}"
        ) from None


def hub_family(repo_id: str) -> str:
    """Family of a hub repository, read from its model_index.json (a few KB download)."""
    with hub_errors(repo_id):
        index_path = hf_hub_download(repo_id, "model_index.json")
    return family_of_model_index(read_json(Path(index_path), f"{repo_id} has no model_index.json."), repo_id)


def hub_cached(repo_id: str) -> bool:
    """Whether ``repo_id`` was downloaded already (its model_index.json is in the local cache); no network."""
    return isinstance(try_to_load_from_cache(repo_id, "model_index.json"), str)
