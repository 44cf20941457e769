"""The knowledge base: YAML data files validated into read-only pydantic models."""

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.schema import KnowledgeBase, KnowledgeItem, Source

__all__ = ["KnowledgeBase", "KnowledgeItem", "Source", "load_knowledge_base"]
