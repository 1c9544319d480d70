"""The Wikidata client: the few calls linking and enrichment make, with errors a person can act on.

Owns `WikidataClient` (wbsearchentities and wbgetentities on the action API, SELECT on a SPARQL
endpoint, its answer read by `kg.results.read_json`) over `kg.http`, which asks a busy Wikidata again
when it says when (429/503, Retry-After) and never follows a redirect away from the endpoint given.
It does not rank or decide links.
"""
from __future__ import annotations

import re
from http import HTTPStatus

from ..errors import LinkError
from ..http import HttpClient, HttpError, HttpRedirected, HttpTimeout, HttpTooLarge
from ..results import read_json
from .tables import QID_PATTERN

#: Wikidata's action API (wbsearchentities, wbgetentities): the default for `--reconcile`
WIKIDATA_API = "https://www.wikidata.org/w/api.php"
#: the longest answer read; wbgetentities for 50 items with their claims is a few MiB
MAX_ANSWER_BYTES = 128 * 1024 * 1024


class WikidataClient:
    """The few Wikidata calls linking and enrichment need, with errors a person can act on."""

    def __init__(self, endpoint: str, timeout: float):
        self.endpoint = endpoint
        self.timeout = timeout
        self._http = HttpClient("knowledge-graph linking", timeout=timeout, connect_timeout=timeout,
                                allowlist=[endpoint], max_bytes=MAX_ANSWER_BYTES)

    def _call(self, method: str, params: dict | None = None, data: dict | None = None,
              accept: str = "application/json"):
        try:
            # a SPARQL query POSTed only reads: it may be sent again when Wikidata is busy
            response = self._http.request(method, self.endpoint, params=params, form=data,
                                          headers={"Accept": accept}, read_only=True)
        except HttpTimeout:
            raise LinkError(f"{self.endpoint} did not answer within {self.timeout:g} s",
                            hint="try again later, or raise --timeout") from None
        except HttpRedirected as redirect:
            raise LinkError(f"{self.endpoint} answered HTTP {redirect.status}, a redirect to "
                            f"{redirect.location or '?'} that is not followed",
                            hint="give the service's own URL as --endpoint") from None
        except HttpTooLarge:
            raise LinkError(f"{self.endpoint} answered more than {MAX_ANSWER_BYTES} bytes",
                            hint="--endpoint must be a Wikidata API or SPARQL endpoint") from None
        except HttpError as error:
            raise LinkError(f"cannot reach {self.endpoint}: {error.reason[:200]}",
                            hint="check the network and --endpoint") from None
        if response.status != 200:
            detail = " ".join(re.sub(r"<[^>]*>", " ", response.text).split())[:200] or _phrase(response.status)
            raise LinkError(f"{self.endpoint} answered HTTP {response.status}: {detail}",
                            hint="Wikidata may be busy (try later), or --endpoint is not the right service")
        try:
            return response.json()
        except ValueError:
            raise LinkError(f"{self.endpoint} answered with something that is not JSON "
                            f"({response.headers.get('Content-Type', 'no content type')}): "
                            f"{response.text.strip()[:80]!r}",
                            hint="--endpoint must be a Wikidata API or SPARQL endpoint") from None

    def _api(self, params: dict) -> dict:
        answer = self._call("GET", params={**params, "format": "json"})
        if not isinstance(answer, dict):
            raise LinkError(f"{self.endpoint} answered JSON of an unexpected shape (not an object)")
        if "error" in answer:
            error = answer["error"] if isinstance(answer["error"], dict) else {}
            raise LinkError(f"Wikidata API error {error.get('code', '?')}: {error.get('info', answer['error'])}",
                            hint="--endpoint must be Wikidata's w/api.php")
        return answer

    def search(self, text: str, language: str = "en", limit: int = 5) -> list[dict]:
        """wbsearchentities: items whose label or alias matches ``text``."""
        answer = self._api({"action": "wbsearchentities", "search": text, "language": language,
                            "uselang": language, "type": "item", "limit": limit})
        found = answer.get("search", [])
        if not isinstance(found, list):
            raise LinkError(f"{self.endpoint} answered wbsearchentities without a 'search' list")
        return [hit for hit in found if isinstance(hit, dict) and QID_PATTERN.fullmatch(str(hit.get("id", "")))]

    def entities(self, ids: list[str], props: str = "claims|labels", language: str = "en") -> dict[str, dict]:
        """wbgetentities: the entities of ``ids`` (50 per request, as the API allows)."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            answer = self._api({"action": "wbgetentities", "ids": "|".join(chunk), "props": props,
                                "languages": language})
            entities = answer.get("entities", {})
            if not isinstance(entities, dict):
                raise LinkError(f"{self.endpoint} answered wbgetentities without an 'entities' object")
            found.update({k: v for k, v in entities.items() if isinstance(v, dict)})
        return found

    def select(self, query: str) -> list[dict]:
        """A SPARQL SELECT (POSTed, as long queries need) -> its rows, each variable -> rdflib term."""
        answer = self._call("POST", data={"query": query}, accept="application/sparql-results+json")
        try:
            _variables, rows = read_json(answer)
        except ValueError:
            raise LinkError(f"{self.endpoint} answered JSON that is not a SPARQL SELECT result",
                            hint="--endpoint must be a SPARQL endpoint such as https://query.wikidata.org/sparql") from None
        return rows


def p31_of(entity: dict) -> list[str]:
    """The item IDs an entity of wbgetentities is an instance of (P31), in order."""
    ids = []
    for statement in entity.get("claims", {}).get("P31", []) or []:
        value = (((statement or {}).get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if isinstance(value, dict) and QID_PATTERN.fullmatch(str(value.get("id", ""))):
            ids.append(value["id"])
    return ids


def label_of(entity: dict, language: str = "en") -> str:
    return str(((entity.get("labels") or {}).get(language) or {}).get("value", ""))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "no reason given"
