"""Labelled output of a run: xarray Datasets, netCDF/CSV files, JSON-ready summaries."""

from .trajectory import (OUT_SUFFIXES, clock, save_trajectory, summary_lines, trajectory_summary,
                         trajectory_to_dataset)

__all__ = ["trajectory_to_dataset", "save_trajectory", "trajectory_summary", "summary_lines", "clock", "OUT_SUFFIXES"]
