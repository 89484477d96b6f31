"""Container image URIs: the ECR registry of a region, and whether a release's image is published there.

Accounts and regions are those of the SageMaker Python SDK's ``image_uri_config/djl-*.json``
(``data/backends/image_registries.csv``, ``image_regions.csv``). A tag the SDK does not list
takes the region set of the nearest listed tag of the same image family and DJL-Serving line,
and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.backends import version_key
from lmi_explorer.models.tables import Column, read_table

REGISTRY_SCHEMA: dict[str, Column] = {
    "region": Column("str"),
    "account": Column("str"),
    "domain": Column("str", choices=("amazonaws.com", "amazonaws.com.cn")),
}
REGION_SCHEMA: dict[str, Column] = {
    "framework": Column("str"),
    "djl_version": Column("str"),
    "tag": Column("str"),
    "regions": Column("str"),
}

#: the documented shape of an LMI image URI: account.dkr.ecr.region.domain/djl-inference:tag
IMAGE_URI_PATTERN = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(-[a-z]+)+-\d)\.amazonaws\.com(\.cn)?/djl-inference:"
    r"(?P<djl>\d+\.\d+\.\d+)-(lmi\d+\.\d+\.\d+-cu\d{3}|tensorrtllm\d+\.\d+\.\d+(rc\d+)?-cu\d{3}|"
    r"neuronx-sdk\d+\.\d+\.\d+|deepspeed\d+\.\d+\.\d+-cu\d{3})$"
)
PUBLIC_PREFIX = "public.ecr.aws/"


@dataclass(frozen=True, slots=True)
class ImageUri:
    """A resolved image: the full URI and, when its regions were inferred, how."""

    uri: str
    note: str = ""


@lru_cache(maxsize=1)
def _registries() -> dict[str, tuple[str, str]]:
    table = read_table("backends/image_registries.csv", REGISTRY_SCHEMA)
    return {r["region"]: (r["account"], r["domain"]) for r in table.records}


@lru_cache(maxsize=1)
def _regions() -> list[dict]:
    return read_table("backends/image_regions.csv", REGION_SCHEMA).records


def _framework(tag: str) -> str:
    for marker, fw in (("-lmi", "djl-lmi"), ("-tensorrtllm", "djl-tensorrtllm"), ("-neuronx", "djl-neuronx")):
        if marker in tag:
            return fw
    return "djl-deepspeed"


def regions_for(image: str) -> tuple[tuple[str, ...], str]:
    """Regions a ``djl-inference:TAG`` image is published in, and a note when that is inferred."""
    tag = image.split(":", 1)[1] if ":" in image else image
    rows = _regions()
    exact = [r for r in rows if r["tag"] == tag]
    if exact:
        return tuple(exact[0]["regions"].split(";")), ""
    fw = _framework(tag)
    djl = tag.split("-", 1)[0]
    same = [r for r in rows if r["framework"] == fw]
    if not same:
        return (), ""
    older = [r for r in same if version_key(r["djl_version"]) <= version_key(djl)] or same
    near = max(older, key=lambda r: version_key(r["djl_version"]))
    note = (
        f"the SageMaker SDK does not list {tag}; regions taken from {near['tag']}, "
        "the nearest image of the same family it lists"
    )
    return tuple(near["regions"].split(";")), note


def image_uri(image: str, region: str) -> ImageUri:
    """The full URI of an image in a region; DataError when the region has no copy of it."""
    if image.startswith(PUBLIC_PREFIX):
        return ImageUri(image, "a public ECR image: pulled from public.ecr.aws in every region")
    regions, note = regions_for(image)
    registry = _registries().get(region)
    if registry is None or region not in regions:
        shown = ", ".join(sorted(regions)[:8]) + (" …" if len(regions) > 8 else "")
        raise DataError(
            f"{image} is not published in {region}: AWS publishes it in {len(regions)} regions ({shown}). "
            "Choose one of them as the region, or copy the image into your own ECR repository there."
        )
    account, domain = registry
    return ImageUri(f"{account}.dkr.ecr.{region}.{domain}/{image}", note)
