"""FOI Ledger extraction: a pure library, file in → record + findings + decision out.

It imports no Django models and reads no settings: configuration arrives as ``ExtractConfig``.
"""

from extraction.pipeline import ExtractConfig, extract_document, extract_file
from extraction.record import CellValue, ExtractionResult, Finding, Record, SourceRef
from extraction.validation import validate, validate_neighbour

__all__ = [
    "CellValue",
    "ExtractConfig",
    "ExtractionResult",
    "Finding",
    "Record",
    "SourceRef",
    "extract_document",
    "extract_file",
    "validate",
    "validate_neighbour",
]
