"""Which output flows into which field: the routes of a workflow, checked before anything runs.

By default a step takes the previous step's output by what it holds: images go into the
brick's image, a text into its prompt (or text); the first step takes the first file given
with the run. A step's ``input`` may name other sources. A chain that cannot fit (an SVG into
img2img, a text into upscale, a forward reference) is refused here, naming the step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qpyt_gradio.bricks.contract import Brick, Holds
from qpyt_gradio.errors import UserFacingError
from qpyt_gradio.workflows.document import Source, Step, Workflow, WorkflowError

GIVEN_HINT = "give one (Input images in the Workflow tab, --input FILE on the command line, files in the API)"


@dataclass
class GivenFiles:
    """Files given with a run, found by position, by name, or by the hash of their pixels.

    ``root`` (command line only) lets ``{"file": name}`` name a file in the workflow's own folder.
    """

    paths: list[Path]
    root: Path | None = None
    _hashes: dict[Path, str] = field(default_factory=dict)

    def first(self) -> Path | None:
        return self.paths[0] if self.paths else None

    def named(self, name: str) -> Path | None:
        for path in self.paths:
            if path.name == name:
                return path
        if self.root is not None and Path(name).name == name and name not in (".", ".."):
            candidate = self.root / name
            return candidate if candidate.is_file() else None
        return None

    def with_hash(self, sha256: str) -> Path | None:
        for path in self.paths:
            if self.hash_of(path) == sha256:
                return path
        return None

    def hash_of(self, path: Path) -> str:
        """The pixel hash outputs record for their sources ("" for a file that is not an image)."""
        if path not in self._hashes:
            self._hashes[path] = source_hash(path)
        return self._hashes[path]


def source_hash(path: Path) -> str:
    """The SHA-256 of an image file's pixels as the editing bricks open it ("" when it is not an image)."""
    from qpyt_gradio.generation.editing import MAX_SOURCE_SIDE
    from qpyt_gradio.generation.results import image_hash
    from qpyt_gradio.images import open_rgb

    try:
        image, _ = open_rgb(path, "hash", MAX_SOURCE_SIDE)
    except UserFacingError:
        return ""
    return image_hash(image)


@dataclass(frozen=True)
class Route:
    """One fed field of a planned step and where its value comes from."""

    field: str
    source: Source
    path: Path | None = None


@dataclass(frozen=True)
class PlannedStep:
    step: Step
    routes: tuple[Route, ...]

    @property
    def brick(self) -> Brick:
        return self.step.brick


def plan(workflow: Workflow, given: GivenFiles) -> list[PlannedStep]:
    """The routes of every step; :class:`WorkflowError` naming the step when a chain cannot fit."""
    planned: list[PlannedStep] = []
    for index, step in enumerate(workflow.steps):
        path = f"steps[{index}]"
        routes = _routes(path, index, step, workflow, given)
        _check_complete(path, step, routes)
        planned.append(PlannedStep(step, tuple(routes)))
    return planned


def _gives(source: Source, workflow: Workflow) -> Holds:
    return Holds.IMAGES if not source.step else workflow.steps[source.step - 1].brick.gives


def _describe(source: Source, workflow: Workflow) -> str:
    if not source.step:
        return "the given image"
    return f"step {source.step} ({workflow.steps[source.step - 1].brick.name})"


def _routes(path: str, index: int, step: Step, workflow: Workflow, given: GivenFiles) -> list[Route]:
    brick = step.brick
    if step.inputs is None:
        default = Source(step=index) if index else Source(step=0)
        if index == 0 and not brick.takes_image:
            return []
        return [_main_route(path, index, default, brick, workflow, given, explicit=False)]
    routes = []
    for name, source in step.inputs.items():
        where = f"{path}.input" + (f".{name}" if name else "")
        if not name:
            routes.append(_main_route(where, index, source, brick, workflow, given, explicit=True))
            continue
        _check_source(where, index, source, workflow, given)
        wanted = Holds.TEXT if name == brick.text_field else Holds.IMAGES
        holds = _gives(source, workflow)
        if holds is not wanted:
            raise WorkflowError(
                where, f"{name} takes {_holding(wanted)}, but {_describe(source, workflow)} gives {_holding(holds)}."
            )
        routes.append(Route(name, source, _given_path(where, source, given)))
    return routes


def _main_route(
    path: str, index: int, source: Source, brick: Brick, workflow: Workflow, given: GivenFiles, explicit: bool
) -> Route:
    """The route of one source into the field that takes what it holds."""
    _check_source(path, index, source, workflow, given)
    holds = _gives(source, workflow)
    if holds is Holds.TEXT and brick.text_field:
        return Route(brick.text_field, source)
    image_fields = [item.name for item in brick.file_fields if item.param.feed == "image"]
    if holds is Holds.IMAGES and image_fields:
        return Route(image_fields[0], source, _given_path(path, source, given))
    takes = _takes(brick)
    hint = "" if explicit else ' Give this step its own sources, e.g. "input": {} when it takes none.'
    raise WorkflowError(
        path, f"{brick.name} takes {takes}, but {_describe(source, workflow)} gives {_holding(holds)}.{hint}"
    )


def _check_source(path: str, index: int, source: Source, workflow: Workflow, given: GivenFiles) -> None:
    if source.step is not None and source.step > index:
        problem = "this step itself" if source.step == index + 1 else f"step {source.step}, which comes later"
        earlier = f"earlier outputs (1–{index})" if index else "a given file, since it is the first step"
        raise WorkflowError(path, f"{source.step} points to {problem}; this step takes only {earlier}.")
    if source.step == 0 and given.first() is None:
        raise WorkflowError(path, f"this step starts from the given image: {GIVEN_HINT}.")


def _given_path(path: str, source: Source, given: GivenFiles) -> Path | None:
    if source.step:
        return None
    if source.step == 0:
        return given.first()
    if source.file is not None:
        found = given.named(source.file)
        if found is None:
            raise WorkflowError(f"{path}.file", f"no file named {source.file!r} was given: {GIVEN_HINT}.")
        return found
    found = given.with_hash(source.sha256 or "")
    if found is None:
        raise WorkflowError(
            f"{path}.sha256",
            f"the source image with SHA-256 {(source.sha256 or '')[:12]}… was not given: {GIVEN_HINT}.",
        )
    return found


def _check_complete(path: str, step: Step, routes: list[Route]) -> None:
    """Every file field fed, and a required text set or fed."""
    routed = {route.field for route in routes}
    for item in step.brick.file_fields:
        if item.name not in routed:
            what = "a mask" if item.param.feed == "mask" else "an image"
            raise WorkflowError(
                f"{path}.input",
                f"{step.brick.name} needs {what} for {item.name!r}: name its source, "
                f'e.g. "input": {{"{item.name}": 1}} or {{"{item.name}": {{"file": "name.png"}}}}.',
            )
    text = step.brick.text_field
    if text and text not in routed:
        required = next(item.param.required for item in step.brick.fields if item.name == text)
        if required and not step.params.get(text):
            raise WorkflowError(f"{path}.params.{text}", required)


def _takes(brick: Brick) -> str:
    kinds = ["an image"] if brick.takes_image else []
    if brick.text_field:
        kinds.append("a text")
    return " or ".join(kinds) or "no input"


def _holding(holds: Holds) -> str:
    return {Holds.IMAGES: "images", Holds.SVG: "an SVG", Holds.TEXT: "a text"}[holds]
