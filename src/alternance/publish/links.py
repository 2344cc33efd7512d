"""Secret subscription links: unguessable, per-feed, rotatable, derived from a per-site secret.

The secret lives beside the output folder, never inside what is published:
`<out>/../.alternance-secrets/<plan-id>.json` holds 256 random bits and, per feed, how many
times its link was rotated. A feed's token is HMAC-SHA256(secret, "feed#rotation"), 160 bits in
URL-safe base64, so the same secret gives the same links at every build, and rotating one feed
changes its link only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..domain import Plan
from ..errors import OutputError
from ..i18n import _

TOKEN_BYTES = 20  # 160 bits, above the 128 asked
NO_LISTING = b"<!DOCTYPE html><title>alternance</title>\n"


@dataclass
class SiteSecret:
    path: Path
    key: bytes
    rotations: dict[str, int] = field(default_factory=dict)

    def token(self, feed: str) -> str:
        message = f"{feed}#{self.rotations.get(feed, 0)}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()[:TOKEN_BYTES]
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            json.dumps({"secret": self.key.hex(), "rotations": dict(sorted(self.rotations.items()))}, indent=2) + "\n"
        )
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, self.path)


def secret_path(out: Path, plan_id: str) -> Path:
    return out.resolve().parent / ".alternance-secrets" / f"{plan_id}.json"


def load_secret(out: Path, plan_id: str, create: bool = True) -> SiteSecret:
    path = secret_path(out, plan_id)
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return SiteSecret(
                path, bytes.fromhex(data["secret"]), {k: int(v) for k, v in data.get("rotations", {}).items()}
            )
        except (OSError, ValueError, KeyError) as exc:
            raise OutputError(
                _(
                    "{path}: unreadable link secret ({reason}); restore it from a backup, "
                    "or delete it to give every feed a new link"
                ).format(path=path, reason=exc)
            ) from None
    site = SiteSecret(path, secrets.token_bytes(32))
    if create:
        site.save()
    return site


def existing_secret(out: Path, plan_id: str) -> SiteSecret:
    """The site secret, which must already exist: a new one would break every link already sent."""
    path = secret_path(out, plan_id)
    if not path.exists():
        raise OutputError(
            _(
                "{path}: link secret not found; restore it (the links already sent depend on it), "
                "or start afresh with `alternance links --new-secret` then `alternance build`"
            ).format(path=path)
        )
    return load_secret(out, plan_id, create=False)


def build_secret(out: Path, plan: Plan) -> SiteSecret:
    """The secret a build publishes with: the saved one, or a new one (saved by the build that
    publishes it) for a plan whose feeds are not yet in `out/public/`. A plan already published
    there without its secret is refused: a new one would change every link already sent."""
    path = secret_path(out, plan.id)
    if path.exists():
        return load_secret(out, plan.id, create=False)
    if _published(out.resolve(), plan):
        raise OutputError(
            _(
                "{path}: link secret not found, although {public} already publishes this plan; "
                "a new secret would change every link sent. Restore it, "
                "or start afresh with `alternance links --new-secret` then `alternance build`"
            ).format(path=path, public=out.resolve() / "public")
        )
    return SiteSecret(path, secrets.token_bytes(32))


def _published(out: Path, plan: Plan) -> bool:
    """Whether `out` already holds this plan's feeds and token-named files under public/."""
    folders = [folder for folder in (out / "public" / "f", out / "public" / "p") if folder.is_dir()]
    tokens = any(e.name != "index.html" and e.is_file() for folder in folders for e in folder.iterdir())
    return tokens and any((out / path).is_file() for path in plan_feeds(plan).values())


def new_secret(out: Path, plan_id: str) -> SiteSecret:
    """A fresh secret, saved: every feed gets a new link, the old ones stop working."""
    site = SiteSecret(secret_path(out, plan_id), secrets.token_bytes(32))
    site.save()
    return site


def plan_feeds(plan: Plan) -> dict[str, str]:
    """Feed id -> file under --out: `<cohort>` (its weeks), `<cohort>/lessons`, `companies/<id>`,
    `apprentices/<id>`, `trainers/<id>`; pages keep their `.html` name as id."""
    feeds = {}
    for c in plan.cohorts:
        feeds[c.id] = f"{c.id}/rhythm.ics"
        if plan.has_lessons:
            feeds[f"{c.id}/lessons"] = f"{c.id}/lessons.ics"
        feeds[f"{c.id}/calendar.html"] = f"{c.id}/calendar.html"
        feeds[f"{c.id}/report.html"] = f"{c.id}/report.html"
    for company in plan.companies:
        feeds[f"companies/{company.id}"] = f"companies/{company.id}.ics"
        feeds[f"companies/{company.id}.html"] = f"companies/{company.id}.html"
    for a in plan.apprentices:
        feeds[f"apprentices/{a.id}"] = f"apprentices/{a.id}.ics"
        feeds[f"apprentices/{a.id}.html"] = f"apprentices/{a.id}.html"
    if plan.has_lessons:
        for t in plan.trainers:
            feeds[f"trainers/{t.id}"] = f"trainers/{t.id}.ics"
    return feeds


def public_path(feed: str, token: str) -> str:
    """Where a feed is published under public/: its token only, never its name."""
    return f"p/{token}.html" if feed.endswith(".html") else f"f/{token}.ics"


def public_tree(plan: Plan, files: dict[str, bytes], site: SiteSecret) -> dict[str, bytes]:
    """`public/`: every feed and page of the plan under its token, and empty index pages so that
    a server with directory listing on shows nothing."""
    tree = {"public/index.html": NO_LISTING, "public/f/index.html": NO_LISTING, "public/p/index.html": NO_LISTING}
    for feed, path in plan_feeds(plan).items():
        if path in files:
            tree[f"public/{public_path(feed, site.token(feed))}"] = files[path]
    return tree


def link_lines(plan: Plan, site: SiteSecret, base_url: str = "") -> list[str]:
    return [f"{feed} {base_url.rstrip('/')}/{public_path(feed, site.token(feed))}" for feed in plan_feeds(plan)]
