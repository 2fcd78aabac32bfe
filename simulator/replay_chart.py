"""The replay's chart: recorded against simulated mean wait by month (``replay.csv`` in,
a Figure out), in the report's template and option colours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from simulator.charts import LAYOUT, _colours_for, _fade, new_figure

RECORDED = "#343a40"
"""The recorded waits: charcoal, not an option's colour."""


def recorded_against_simulated(replay: pd.DataFrame) -> go.Figure:
    """Mean wait of each month's referrals: each scenario's simulated mean with the
    spread of its replications (10th to 90th percentile), and the list's as recorded."""
    figure = new_figure()
    months = replay[(replay["month"] != "all") & (replay["type"] == "all")]
    groups = list(months.groupby("scenario", sort=False))
    colours = _colours_for(None, [name for name, _ in groups])
    for name, rows in groups:
        colour = colours[str(name)]
        x = pd.to_datetime(rows["month"]).to_numpy()
        low = rows["simulated_wait_mean_days_p10"].to_numpy(dtype=float)
        high = rows["simulated_wait_mean_days_p90"].to_numpy(dtype=float)
        figure.add_scatter(
            x=np.concatenate([x, x[::-1]]), y=np.concatenate([high, low[::-1]]).round(2),
            fill="toself", fillcolor=_fade(colour), line=dict(width=0), hoverinfo="skip",
            showlegend=False, name=f"{name} 10-90%",
        )  # fmt: skip
        figure.add_scatter(
            x=x, y=rows["simulated_wait_mean_days"].round(2), mode="lines+markers",
            name=f"{name} (simulated)", line=dict(color=colour, width=2),
            hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y:.1f}} days (simulated)<extra></extra>",
        )  # fmt: skip
    recorded = months.drop_duplicates("month")
    if recorded["recorded_wait_mean_days"].notna().any():
        figure.add_scatter(
            x=pd.to_datetime(recorded["month"]).to_numpy(),
            y=recorded["recorded_wait_mean_days"].round(2), mode="lines+markers",
            name="recorded", line=dict(color=RECORDED, width=2, dash="dot"),
            hovertemplate="recorded<br>%{x|%b %Y}: %{y:.1f} days<extra></extra>",
        )  # fmt: skip
    figure.update_layout(
        title="Mean wait by month of referral: recorded and simulated (band: 10th-90th "
        "percentile of replications)",
        xaxis_title="month of referral", yaxis_title="mean wait to allocation (days)", **LAYOUT,
    )  # fmt: skip
    return figure
