"""Distributions as they are written in scenario files, and their inverse CDFs.

Every distribution is written by its mean (and ``sd`` where it has one) in the
units of its field, e.g. ``{dist: lognormal, mean: 12, sd: 8}`` hours. Samples
are drawn by inverse transform from uniforms, so two scenarios that differ only
in a distribution still see the same uniforms: common random numbers then
couple the draws monotonically (a longer-tailed hours distribution gives every
referral a longer, never shorter, case).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    @property
    def expected(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def quantile(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class _ByMean(_Dist):
    """A distribution written by its mean (subclasses declare ``mean``)."""

    mean: Any

    @property
    def centre(self) -> float:
        """The mean as a number: an uncertain mean's own expected value."""
        return self.mean if isinstance(self.mean, (int, float)) else self.mean.expected

    @property
    def expected(self) -> float:
        return self.centre

    @property
    def uncertain(self) -> bool:
        """The mean itself is a distribution (doubt about it), drawn per replication."""
        return not isinstance(self.mean, (int, float))

    @model_validator(mode="after")
    def _doubt_is_plain(self) -> _ByMean:
        if self.uncertain and getattr(self.mean, "uncertain", False):
            raise ValueError("the distribution of a mean must have a plain number as its mean")
        return self

    def with_mean(self, mean: float) -> Any:
        """This distribution with its mean fixed at ``mean`` (a replication's draw)."""
        return self.model_copy(update={"mean": float(mean)})


class _ByMeanAndSd(_ByMean):
    mean: Positive | MeanDoubt = Field(
        description="Mean, in the field's units; or a distribution of the mean (doubt about "
        "it, drawn once per replication), e.g. {dist: gamma, mean: 12, sd: 1.5}."
    )
    sd: Positive = Field(description="Standard deviation, in the field's units.")


class Fixed(_ByMean):
    """Always the same value."""

    dist: Literal["fixed"]
    mean: NonNegative = Field(description="The value, in the field's units.")

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.mean, dtype=float)


class Exponential(_ByMean):
    """Memoryless; the textbook service time of Erlang C."""

    dist: Literal["exponential"]
    mean: Positive | MeanDoubt = Field(
        description="Mean, in the field's units; or a distribution of the mean (doubt about "
        "it, drawn once per replication)."
    )

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return -self.centre * np.log1p(-np.asarray(u, dtype=float))


class Lognormal(_ByMeanAndSd):
    """Right-skewed: most cases short, a few long (typical of casework hours)."""

    dist: Literal["lognormal"]

    def quantile(self, u: np.ndarray) -> np.ndarray:
        sigma2 = math.log1p((self.sd / self.centre) ** 2)
        mu = math.log(self.centre) - sigma2 / 2
        from scipy import special  # ndtri is scipy.stats.norm.ppf, without loading stats

        return np.exp(mu + math.sqrt(sigma2) * special.ndtri(u))


class Gamma(_ByMeanAndSd):
    """Right-skewed with a lighter tail than the lognormal."""

    dist: Literal["gamma"]

    def quantile(self, u: np.ndarray) -> np.ndarray:
        shape = (self.centre / self.sd) ** 2
        scale = self.sd**2 / self.centre
        from scipy import special  # scipy.stats.gamma.ppf's own arithmetic, bit for bit

        return special.gammaincinv(shape, np.asarray(u, dtype=float)) * scale + 0.0


class Triangular(_Dist):
    """Lowest, most likely and highest value: how practitioners estimate durations."""

    dist: Literal["triangular"]
    low: NonNegative = Field(description="Lowest value.")
    mode: NonNegative = Field(description="Most likely value.")
    high: NonNegative = Field(description="Highest value.")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"needs low <= mode <= high and low < high "
                f"(got low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self

    @property
    def expected(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The inverse CDF in closed form, with the arithmetic of ``scipy.stats.triang.ppf``
        (the same floats, a test checks), without importing scipy."""
        c = (self.mode - self.low) / (self.high - self.low)
        u = np.asarray(u, dtype=float)
        with np.errstate(invalid="ignore"):
            x = np.where(u < c, np.sqrt(c * u), 1.0 - np.sqrt((1.0 - c) * (1.0 - u)))
        return x * (self.high - self.low) + self.low


class Uniform(_Dist):
    """Any value between low and high equally likely."""

    dist: Literal["uniform"]
    low: NonNegative = Field(description="Lowest value.")
    high: NonNegative = Field(description="Highest value.")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got low={self.low}, high={self.high})")
        return self

    @property
    def expected(self) -> float:
        return (self.low + self.high) / 2

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)


class Empirical(_Dist):
    """Observed values (e.g. last year's case hours), drawn with their weights."""

    dist: Literal["empirical"]
    values: list[NonNegative] = Field(min_length=1, description="Observed values.")
    weights: list[Positive] | None = Field(
        default=None, description="Relative weight of each value; equal when omitted."
    )

    @model_validator(mode="after")
    def _same_length(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise ValueError(
                f"weights has {len(self.weights)} entries but values has {len(self.values)}"
            )
        return self

    def _cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        values = np.asarray(self.values, dtype=float)
        weights = np.ones_like(values) if self.weights is None else np.asarray(self.weights)
        return values, np.cumsum(weights) / weights.sum()

    @property
    def expected(self) -> float:
        values = np.asarray(self.values, dtype=float)
        weights = np.ones_like(values) if self.weights is None else np.asarray(self.weights)
        return float(np.average(values, weights=weights))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        values, cumulative = self._cumulative()
        index = np.searchsorted(cumulative, np.asarray(u, dtype=float), side="right")
        return values[np.minimum(index, len(values) - 1)]


MeanDoubt = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Triangular | Uniform,
    Field(discriminator="dist"),
]
"""A distribution of an uncertain figure (a rate, a mean): each replication draws one
value. Its own mean is a plain number: doubt about doubt is not modelled."""
for _model in (Exponential, Lognormal, Gamma):
    _model.model_rebuild()

Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
]
DIST_NAMES = ("fixed", "exponential", "lognormal", "gamma", "triangular", "uniform", "empirical")
