"""The app's settings: one frozen dataclass, read from the environment and the command line.

Command-line flags win over environment variables, which win over the defaults. Nothing
changes these settings after start-up; what a user changes in the page (the memory
strategy) lives in the registry, not here.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qpyt_gradio.engines import GIB, MAX_SIDE, MIN_SIDE

LORA_FUSING = ("fused", "unfused")
QUANTIZE_MODES = ("none", "nf4", "int8")
MEMORY_STRATEGIES = ("auto", "gpu", "model_offload", "fp8_storage", "group_offload", "sequential_offload", "cpu")
TRUE_WORDS = {"1", "true", "yes", "on"}
PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"
STYLES_DIR = Path(__file__).resolve().parent.parent / "styles"
RAM_CACHE_SHARE = 0.5
"""By default the RAM cache may keep released models up to half of the RAM available at start."""
SHARED_JOB_SECONDS = 300.0
SHARED_COST = 160.0
"""What one job may take on a shared link or a Space, unless set: 5 minutes, and 160 megapixel-steps
(1024² at 40 steps × 4 images; SDXL-Turbo, FLUX.1 schnell and SD 3.5 Turbo stay far below)."""


def total_ram_bytes() -> int:
    import psutil

    return psutil.virtual_memory().total


class SettingsError(ValueError):
    """A setting that cannot work; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    share_public: bool = False
    auth: tuple[str, str] | None = None
    demo: bool = False
    models_dir: Path = Path("models")
    outputs_dir: Path = Path("outputs")
    workflows_dir: Path = Path("workflows")
    loras_dir: Path | None = None
    styles_dir: Path = STYLES_DIR / "user"
    cache_dir: Path = Path.home() / ".cache" / "qpyt-ui"
    memory: str = "auto"
    lora_fusing: str = "fused"
    quantize: str = "none"
    max_side: int = MAX_SIDE
    live_preview: bool = True
    caption_model: str | None = None
    translate_model: str | None = None
    enhance_model: str | None = None
    auto_translate: bool = False
    mcp: bool = False
    max_job_seconds: float | None = None
    max_cost: float | None = None
    history: bool | None = None
    ram_cache_gb: float | None = None
    on_spaces: bool = False

    @property
    def presets_dir(self) -> Path:
        """The ready workflows shipped with the app (read-only)."""
        return PRESETS_DIR

    @property
    def shared(self) -> bool:
        """Served to others: a public link or a Hugging Face Space."""
        return self.share or self.on_spaces

    @property
    def history_shown(self) -> bool:
        """Whether the History tab and ``/history`` list the outputs folder: yes unless set, except on a
        shared link or a Space, where it would show every user's images."""
        return self.history if self.history is not None else not self.shared

    def ram_cache_bytes(self, available_bytes: int) -> int:
        """The RAM cache's budget: ``--ram-cache`` GB, or by default a share of the RAM available at start
        (0: no cache)."""
        if self.ram_cache_gb is None:
            return int(available_bytes * RAM_CACHE_SHARE)
        return int(self.ram_cache_gb * GIB)

    @property
    def job_seconds_limit(self) -> float | None:
        """How long one job may run before it is stopped; None: as long as it takes."""
        return (
            self.max_job_seconds if self.max_job_seconds is not None else (SHARED_JOB_SECONDS if self.shared else None)
        )

    @property
    def cost_limit(self) -> float | None:
        """The largest job allowed, in megapixel-steps; None: any."""
        return self.max_cost if self.max_cost is not None else (SHARED_COST if self.shared else None)

    @property
    def shipped_styles_dir(self) -> Path:
        """The styles shipped with the app (read-only); the user's own live in ``styles_dir``."""
        return STYLES_DIR

    @property
    def lora_folders(self) -> tuple[Path, ...]:
        """Where LoRAs are looked for: the user's folder, then in demo mode the demo LoRAs."""
        return (self.lora_dir, self.cache_dir / "demo-loras") if self.demo else (self.lora_dir,)

    @property
    def lora_dir(self) -> Path:
        """The user's LoRA folder: ``--loras-dir``, else ``loras/`` in the models folder."""
        return self.loras_dir or self.models_dir / "loras"

    @property
    def demo_models_dir(self) -> Path:
        return self.cache_dir / "demo-models"

    @property
    def rembg_home(self) -> Path:
        """Where rembg's models live (``REMBG_HOME``): the demo folder in demo mode, else ``models/rembg``."""
        return (self.demo_models_dir if self.demo else self.models_dir) / "rembg"

    def check(self) -> None:
        """Refuse combinations that would expose or break something, with the fix in the message."""
        if self.memory not in MEMORY_STRATEGIES:
            raise SettingsError(
                f"memory strategy {self.memory!r} is unknown; use one of {', '.join(MEMORY_STRATEGIES)}"
            )
        if self.quantize not in QUANTIZE_MODES:
            raise SettingsError(f"--quantize {self.quantize!r} is unknown; use one of {', '.join(QUANTIZE_MODES)}")
        if self.lora_fusing not in LORA_FUSING:
            raise SettingsError(f"LoRA fusing {self.lora_fusing!r} is unknown; use one of {', '.join(LORA_FUSING)}")
        for name, value in (("--max-job-seconds", self.max_job_seconds), ("--max-cost", self.max_cost)):
            if value is not None and not 0 < value < float("inf"):
                raise SettingsError(f"{name} takes a positive number, not {value}")
        if self.ram_cache_gb is not None:
            total = total_ram_bytes()
            if not 0 <= self.ram_cache_gb < float("inf"):
                raise SettingsError(f"--ram-cache takes a size in GB (0 turns the cache off), not {self.ram_cache_gb}")
            if self.ram_cache_gb * GIB > total:
                raise SettingsError(
                    f"--ram-cache {self.ram_cache_gb:g} GB is more than this machine's RAM ({total / GIB:.1f} GB): "
                    f"use at most {total / GIB * RAM_CACHE_SHARE:.0f} or so, or 0 to turn the cache off"
                )
        if not 1 <= self.port <= 65535:
            raise SettingsError(f"port {self.port} is out of range 1-65535")
        if not MIN_SIDE <= self.max_side <= 4 * MAX_SIDE:
            raise SettingsError(f"--max-side {self.max_side} is out of range {MIN_SIDE}-{4 * MAX_SIDE}")
        if self.share and self.auth is None and not self.share_public:
            raise SettingsError(
                "--share makes a public link to this machine's GPU. Add --auth user:password, "
                "or --share-public if anyone with the link may use it."
            )


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:password`` -> (user, password); empty -> None."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise SettingsError("--auth takes user:password (both parts non-empty)")
    return user, password


def _argument_parser(defaults: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qpyt-ui", description="Qpyt-UI, a local generative-imaging studio.")
    parser.add_argument("--host", default=defaults.host, help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port (default %(default)s)")
    parser.add_argument("--share", action="store_true", default=defaults.share, help="create a public Gradio link")
    parser.add_argument(
        "--share-public", action="store_true", default=defaults.share_public, help="allow --share without --auth"
    )
    parser.add_argument("--auth", default=None, help="user:password required to open the page")
    parser.add_argument("--demo", action="store_true", default=defaults.demo, help="register tiny offline demo models")
    parser.add_argument(
        "--models-dir", type=Path, default=defaults.models_dir, help="diffusers folders and .safetensors"
    )
    parser.add_argument("--outputs-dir", type=Path, default=defaults.outputs_dir, help="where images are saved")
    parser.add_argument(
        "--workflows-dir", type=Path, default=defaults.workflows_dir, help="where workflows are saved from the page"
    )
    parser.add_argument(
        "--loras-dir", type=Path, default=defaults.loras_dir, help="LoRA .safetensors files (default: MODELS_DIR/loras)"
    )
    parser.add_argument(
        "--styles-dir", type=Path, default=defaults.styles_dir, help="your own style files (.json, A1111 styles.csv)"
    )
    parser.add_argument("--cache-dir", type=Path, default=defaults.cache_dir, help="demo models and other caches")
    parser.add_argument("--memory", choices=MEMORY_STRATEGIES, default=defaults.memory, help="memory strategy")
    parser.add_argument(
        "--quantize",
        choices=QUANTIZE_MODES,
        default=defaults.quantize,
        help="load the denoiser and T5 encoder of hub models and folders in NF4 or int8 (bitsandbytes, NVIDIA GPUs)",
    )
    parser.add_argument(
        "--lora-fusing",
        choices=LORA_FUSING,
        default=defaults.lora_fusing,
        help="merge the LoRAs into the weights (fused) or keep them beside (unfused); default %(default)s",
    )
    parser.add_argument(
        "--max-job-seconds",
        type=float,
        default=defaults.max_job_seconds,
        help=f"stop a job that runs longer (default: none; {SHARED_JOB_SECONDS:g} with --share or on Spaces)",
    )
    parser.add_argument(
        "--max-cost",
        type=float,
        default=defaults.max_cost,
        help=f"refuse a job above this many megapixel-steps (default: none; {SHARED_COST:g} with --share or on Spaces)",
    )
    parser.add_argument(
        "--history",
        action=argparse.BooleanOptionalAction,
        default=defaults.history,
        help="show every output in the History tab (default: yes, except with --share or on Spaces)",
    )
    parser.add_argument(
        "--ram-cache",
        dest="ram_cache_gb",
        type=float,
        default=defaults.ram_cache_gb,
        help=f"GB of RAM that keeps released models for switching back (default: {RAM_CACHE_SHARE:.0%} of the "
        "RAM available at start; 0: off)",
    )
    parser.add_argument("--max-side", type=int, default=defaults.max_side, help="largest width/height allowed")
    parser.add_argument("--caption-model", default=defaults.caption_model, help="Florence-2 model (hub id or folder)")
    parser.add_argument("--translate-model", default=defaults.translate_model, help="MarianMT fr->en model")
    parser.add_argument("--enhance-model", default=defaults.enhance_model, help="Qwen2.5 Instruct model")
    parser.add_argument(
        "--auto-translate",
        action="store_true",
        default=defaults.auto_translate,
        help="translate French prompts to English before generating",
    )
    parser.add_argument(
        "--mcp", action="store_true", default=defaults.mcp, help="serve every brick as an MCP tool (gradio[mcp])"
    )
    parser.add_argument(
        "--no-live-preview",
        dest="live_preview",
        action="store_false",
        default=defaults.live_preview,
        help="do not show images while sampling",
    )
    return parser


def _from_environment(environ: Mapping[str, str]) -> tuple[Settings, str | None]:
    base = Settings()

    def flag(name: str, default: bool) -> bool:
        value = environ.get(name)
        return default if value is None else value.strip().lower() in TRUE_WORDS

    try:
        port = int(environ.get("QPYT_PORT") or environ.get("GRADIO_SERVER_PORT") or base.port)
        max_side = int(environ.get("QPYT_MAX_SIDE") or base.max_side)
    except ValueError as error:
        raise SettingsError(f"QPYT_PORT, GRADIO_SERVER_PORT and QPYT_MAX_SIDE take whole numbers ({error})") from None
    settings = Settings(
        host=environ.get("QPYT_HOST") or environ.get("GRADIO_SERVER_NAME") or base.host,
        port=port,
        share=flag("QPYT_SHARE", base.share),
        share_public=flag("QPYT_SHARE_PUBLIC", base.share_public),
        demo=flag("QPYT_DEMO", base.demo),
        models_dir=Path(environ.get("QPYT_MODELS_DIR") or base.models_dir),
        outputs_dir=Path(environ.get("QPYT_OUTPUTS_DIR") or base.outputs_dir),
        workflows_dir=Path(environ.get("QPYT_WORKFLOWS_DIR") or base.workflows_dir),
        loras_dir=Path(environ["QPYT_LORAS_DIR"]) if environ.get("QPYT_LORAS_DIR") else None,
        styles_dir=Path(environ.get("QPYT_STYLES_DIR") or base.styles_dir),
        cache_dir=Path(environ.get("QPYT_CACHE_DIR") or base.cache_dir),
        memory=environ.get("QPYT_MEMORY") or base.memory,
        lora_fusing=environ.get("QPYT_LORA_FUSING") or base.lora_fusing,
        quantize=environ.get("QPYT_QUANTIZE") or base.quantize,
        max_side=max_side,
        live_preview=flag("QPYT_LIVE_PREVIEW", base.live_preview),
        caption_model=environ.get("QPYT_CAPTION_MODEL") or None,
        translate_model=environ.get("QPYT_TRANSLATE_MODEL") or None,
        enhance_model=environ.get("QPYT_ENHANCE_MODEL") or None,
        auto_translate=flag("QPYT_AUTO_TRANSLATE", base.auto_translate),
        mcp=flag("QPYT_MCP", base.mcp),
        max_job_seconds=_number(environ, "QPYT_MAX_JOB_SECONDS"),
        max_cost=_number(environ, "QPYT_MAX_COST"),
        history=flag("QPYT_HISTORY", False) if environ.get("QPYT_HISTORY") else None,
        ram_cache_gb=_number(environ, "QPYT_RAM_CACHE"),
        on_spaces=bool(environ.get("SPACE_ID")),
    )
    return settings, environ.get("QPYT_AUTH")


def _number(environ: Mapping[str, str], name: str) -> float | None:
    text = environ.get(name)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise SettingsError(f"{name} takes a number, not {text!r}") from None


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default ``os.environ``) overridden by ``argv``; checked."""
    from_env, env_auth = _from_environment(os.environ if environ is None else environ)
    values = vars(_argument_parser(from_env).parse_args(argv))
    values["auth"] = parse_auth(values["auth"] or env_auth)
    settings = Settings(**values, on_spaces=from_env.on_spaces)
    settings.check()
    return settings
