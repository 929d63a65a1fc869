"""Which survey groups must not be shown: small groups, and the groups that would give a small one away.

Groups nest: team -> department (when configured) -> organisation. Every published figure is a sum over the
respondents of its group (counts of promoters, detractors, favourable answers, ...), so a hidden team's figure
can be recovered by subtraction: the organisation minus every other shown team. This module decides, for one
wave and one measure, which groups to hide so that no such subtraction isolates fewer than ``minimum``
respondents:

1. *Primary suppression:* a group with 0 < n < minimum is hidden.
2. *Complementary suppression:* for every shown group, subtract its largest shown sub-groups (those not inside
   another shown sub-group); what remains (the "residual", e.g. one hidden team, or two hidden teams
   together) is what subtraction reveals. While a residual has 0 < n < minimum, hide one more sub-group, the
   smallest one that has respondents, so it joins the residual; if none is left, hide the group itself.

The result: any figure anyone can compute from the shown figures is about ``minimum`` respondents or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

GroupKey = tuple[str, str]  # (scope, name): ('team', 'checkout'), ('department', 'Commerce'), ('organisation', ...)

PRIMARY = "fewer than {minimum} respondents"
COMPLEMENTARY = "hidden to protect a smaller group (subtraction would reveal it)"


@dataclass(frozen=True)
class Group:
    """One group of one measure: its respondent count and the group it is part of (None at the top)."""

    key: GroupKey
    parent: GroupKey | None
    n: int


def suppressed_groups(groups: Iterable[Group], minimum: int) -> dict[GroupKey, str]:
    """The groups to hide, each with the reason to show instead of its figures."""
    nodes = {g.key: g for g in groups}
    children: dict[GroupKey, list[GroupKey]] = defaultdict(list)
    for g in nodes.values():
        if g.parent is not None and g.parent in nodes:
            children[g.parent].append(g.key)
    hidden: dict[GroupKey, str] = {}
    for g in nodes.values():
        if 0 < g.n < minimum:
            hidden[g.key] = PRIMARY.format(minimum=minimum)

    def shown_cover(key: GroupKey) -> list[GroupKey]:
        """The largest shown sub-groups of ``key``: a hidden child is looked through to its own children."""
        cover: list[GroupKey] = []
        for child in children.get(key, ()):
            if child in hidden:
                cover.extend(shown_cover(child))
            else:
                cover.append(child)
        return cover

    changed = True
    while changed:
        changed = False
        # Deepest groups first, so a hidden team is first covered by a sibling in its own department;
        # sorted, so the same data always hides the same groups.
        for key in sorted(nodes, key=lambda k: (-_depth(nodes, k), k)):
            if key in hidden or not children.get(key):
                continue
            cover = shown_cover(key)
            residual = nodes[key].n - sum(nodes[c].n for c in cover)
            if 0 < residual < minimum:
                candidates = sorted((c for c in cover if nodes[c].n > 0), key=lambda c: (nodes[c].n, c))
                victim = candidates[0] if candidates else key
                hidden[victim] = COMPLEMENTARY
                changed = True
                break
    return hidden


def _depth(nodes: dict[GroupKey, Group], key: GroupKey) -> int:
    depth, parent = 0, nodes[key].parent
    while parent is not None and parent in nodes:
        depth += 1
        parent = nodes[parent].parent
    return depth
