"""Neural networks trained with any differentiator."""

from .datasets import load_dataset, Dataset, DATASETS
