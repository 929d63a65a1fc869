"""Catalog and workflow files read through the GitHub contents API (``GET /repos/{o}/{r}/contents/{path}``).

PyGithub does the transport (``Repository.get_contents``); this module adapts it to the ``read_file`` /
``list_files`` callables of :mod:`catalog.sources` and counts every request it causes. A 404 means the file
(or the repository) is not there: for a descriptor that is "not registered", never an error. Any other failure
is raised to the loader, which reports it against that repository and file and goes on with the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from github import Github, GithubException, UnknownObjectException


@dataclass
class GitHubFiles:
    """Read files of ``organisation``'s repositories at their default branch (or ``ref``) through PyGithub.

    ``requests`` counts HTTP requests: one to open a repository (cached per repository), one per file read and
    one per folder listed. ``repositories()`` lists the organisation's non-archived repositories (paged).
    """

    github: Github
    organisation: str
    ref: str | None = None
    requests: int = 0
    _repos: dict[str, Any] = field(default_factory=dict)
    _missing: set[str] = field(default_factory=set)

    def repositories(self, wanted: Iterable[str] = ()) -> list[str]:
        """The configured repositories, else every non-archived repository of the organisation (sorted)."""
        names = [w.split("/")[-1] for w in wanted]
        if names:
            return names
        org = self.github.get_organization(self.organisation)
        self.requests += 1
        listed = org.get_repos(type="all")
        names = []
        for index, repo in enumerate(listed):
            if index % 100 == 0:  # one request per page of 100
                self.requests += 1
            if not repo.archived:
                names.append(repo.name)
                self._repos.setdefault(repo.name, repo)
        return sorted(names)

    def _repo(self, repository: str) -> Any | None:
        name = repository.split("/")[-1]
        if name in self._missing:
            return None
        if name not in self._repos:
            self.requests += 1
            try:
                self._repos[name] = self.github.get_repo(f"{self.organisation}/{name}")
            except UnknownObjectException:
                self._missing.add(name)
                return None
        return self._repos[name]

    def _contents(self, repository: str, path: str) -> Any | None:
        repo = self._repo(repository)
        if repo is None:
            return None
        self.requests += 1
        try:
            if self.ref:
                return repo.get_contents(path, ref=self.ref)
            return repo.get_contents(path)
        except UnknownObjectException:
            return None
        except GithubException as exc:
            # 404 arrives as UnknownObjectException; anything else is a real failure for this file.
            if exc.status == 404:
                return None
            raise

    def read(self, repository: str, path: str) -> str | None:
        """The file's text, or None when the repository has no such file (or the path is a folder)."""
        found = self._contents(repository, path)
        if found is None or isinstance(found, list) or found.type != "file":
            return None
        return found.decoded_content.decode("utf-8")

    def list(self, repository: str, folder: str) -> list[str]:
        """Paths of the files directly in ``folder`` (empty when the folder does not exist)."""
        found = self._contents(repository, folder)
        if found is None:
            return []
        entries = found if isinstance(found, list) else [found]
        return sorted(e.path for e in entries if e.type == "file")


def github_files_for(cfg: Any, make_client: Callable[[Any], Github] | None = None) -> GitHubFiles:
    """A :class:`GitHubFiles` for the configuration's ``github`` section (server, authentication, pacing)."""
    if make_client is None:
        from pipelines.defs.github.client import make_github  # Dagster-free module: client construction only

        make_client = make_github
    return GitHubFiles(make_client(cfg.github), cfg.github.organisation)
