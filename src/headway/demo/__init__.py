"""The demo organization, built from the seeds' own examples (see ``builder``)."""

from headway.demo.builder import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_USERNAME,
    DemoExists,
    demo_exists,
    load_demo,
)

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_SLUG",
    "DEMO_USERNAME",
    "DemoExists",
    "demo_exists",
    "load_demo",
]
