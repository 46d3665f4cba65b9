"""accept / review / failed, with the reasons a user reads (spec: "Decisions")."""

from __future__ import annotations

from dataclasses import dataclass, field

from extraction.record import Decision, Finding


@dataclass
class DecisionInput:
    findings: list[Finding]
    confidence: float
    threshold: float
    method: str | None
    tables_missing: list[str] = field(default_factory=list)
    template_reason: str | None = None
    """Set when the template was not recognised with certainty."""
    other_reasons: list[str] = field(default_factory=list)
    accept_llm: bool = False


def decide(inp: DecisionInput) -> tuple[Decision, list[str]]:
    """Accept only when everything was read, the template is known and no hard identity breaks."""
    reasons: list[str] = []
    reasons += [f"{name} not found" for name in inp.tables_missing]
    if inp.template_reason:
        reasons.append(inp.template_reason)
    reasons += [f.message for f in inp.findings if f.severity == "hard"]
    reasons += inp.other_reasons
    if inp.method == "llm" and not inp.accept_llm:
        reasons.append("LLM result: a reviewer confirms it")
    if inp.confidence < inp.threshold:
        reasons.append(f"confidence {inp.confidence:.2f} below the threshold {inp.threshold:.2f}")
    return ("review" if reasons else "accept"), reasons
