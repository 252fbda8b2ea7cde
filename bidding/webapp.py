"""Serving the built web app (``frontend/dist``) with a single-page-app fallback to index.html."""

from __future__ import annotations

from pathlib import Path

from litestar import MediaType, Response, Router, get
from litestar.params import FromPath
from litestar.response import File

from bidding.core.errors import NotFound

_RESERVED = ("api/", "schema", "health", "ready")
_IMMUTABLE = "public, max-age=31536000, immutable"

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>电子招投标平台</title>
<h1>电子招投标与不见面开标平台 / e-Bidding Platform</h1>
<p>前端尚未构建：运行 <code>make frontend</code>。API 文档见 <a href="/api/docs">/api/docs</a>。</p>
<p>The web app is not built yet: run <code>make frontend</code>. API docs: <a href="/api/docs">/api/docs</a>.</p>"""


def webapp_router(dist: Path) -> Router:
    root = dist.resolve()

    @get(["/", "/{path:path}"], include_in_schema=False, sync_to_thread=False)
    def webapp(path: FromPath[str] = "/") -> Response[str] | File:
        relative = path.lstrip("/")
        if relative.startswith(_RESERVED) or "\x00" in relative:  # no file name holds a NUL (os refuses it)
            raise NotFound(f"no route {path}", f"没有路径 {path}")
        index = root / "index.html"
        if not index.is_file():
            return Response(_NOT_BUILT, media_type=MediaType.HTML)
        if relative:
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                # Vite names built assets by content hash: they never change under the same name.
                immutable = relative.startswith("assets/")
                return File(
                    candidate,
                    filename=candidate.name,  # the media type is guessed from the name
                    content_disposition_type="inline",
                    headers={"Cache-Control": _IMMUTABLE if immutable else "no-cache"},
                )
        # Client-side routes (/projects/…) all load the app shell.
        return File(
            index, filename="index.html", content_disposition_type="inline", headers={"Cache-Control": "no-cache"}
        )

    return Router(path="/", route_handlers=[webapp])
