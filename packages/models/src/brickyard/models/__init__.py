"""Train, backtest, evaluate, score and persist forecasting models with scikit-learn.

Inputs are Arrow tables that already hold feature columns (for example from
brickyard.features), read as `ModelInputs` say. `backtest` measures a
HistGradientBoostingRegressor against a persistence baseline on time-ordered folds; `train`,
`score`, `save_model` and `load_model` cover the production path.
"""

from brickyard.models.backtesting import BacktestResult, FoldResult, backtest
from brickyard.models.errors import IncompatibleModelError, ModelError
from brickyard.models.evaluation import Metrics, evaluate
from brickyard.models.fingerprint import table_fingerprint
from brickyard.models.importance import permutation_importances
from brickyard.models.inputs import ModelInputs
from brickyard.models.persistence import FORMAT_VERSION, load_model, save_model
from brickyard.models.scoring import prediction_schema, score
from brickyard.models.training import ModelParams, TrainedModel, TrainingSummary, train

__all__ = [
    "FORMAT_VERSION",
    "BacktestResult",
    "FoldResult",
    "IncompatibleModelError",
    "Metrics",
    "ModelError",
    "ModelInputs",
    "ModelParams",
    "TrainedModel",
    "TrainingSummary",
    "backtest",
    "evaluate",
    "load_model",
    "permutation_importances",
    "prediction_schema",
    "save_model",
    "score",
    "table_fingerprint",
    "train",
]
