"""The demo's prices: a small static Price List, in GetProducts' real shape.

moto has no Pricing API and the console never asks a local stack for prices (see
:class:`console.services.pricing.PricingService`), so the demo writes its table where
the console's price cache for the demo's endpoint lives: the console, and any command
pointed at the demo (``demo --serve``), read it as if fetched from AWS a moment ago.
The table goes through the real parser (:func:`parse_price_list`) first, so the shape is
the one AWS answers. The file is removed when the demo stops.

The figures are us-east-1 on-demand prices of late 2026, rounded: a demo, not a quote.
HyperPod cluster instances (the ``Cluster`` component) are listed the way the Price List
lists them: no ``instanceName``, the instance in the usage type
(``USE1-Cluster:ml.p5.48xlarge``) and in ``instanceType`` (``ml.p5.48xlarge-Cluster``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from console.services.pricing import cache_path, parse_price_list, store_prices

# On-demand USD per hour by instance type (us-east-1, late 2026, rounded). SageMaker
# prices each component a little differently; the demo uses one figure for all of them.
BASE: dict[str, float] = {
    "ml.t3.medium": 0.05,
    "ml.t3.large": 0.1,
    "ml.m5.large": 0.115,
    "ml.m5.xlarge": 0.23,
    "ml.m5.2xlarge": 0.461,
    "ml.m5.4xlarge": 0.922,
    "ml.c5.xlarge": 0.204,
    "ml.c5.9xlarge": 1.836,
    "ml.g4dn.xlarge": 0.736,
    "ml.g4dn.12xlarge": 4.89,
    "ml.g5.xlarge": 1.408,
    "ml.g5.2xlarge": 1.515,
    "ml.g5.12xlarge": 7.09,
    "ml.p3.2xlarge": 3.825,
    "ml.p3.16xlarge": 28.152,
    "ml.p4d.24xlarge": 37.688,
    "ml.p5.48xlarge": 113.068,
}
COMPONENTS = ("Training", "Processing", "Batch Transform", "Hosting", "Notebook", "Cluster")
# (component, instance type) -> USD per hour.
TABLE: dict[tuple[str, str], float] = {
    (component, instance): usd for component in COMPONENTS for instance, usd in BASE.items()
}


def _attributes(region: str, component: str, instance: str) -> dict[str, str]:
    """A product's attributes: a HyperPod instance is named by its usage type only."""
    attributes = {
        "servicecode": "AmazonSageMaker",
        "regionCode": region,
        "component": component,
    }
    if component == "Cluster":
        attributes["instanceType"] = f"{instance}-Cluster"
        attributes["usagetype"] = f"USE1-Cluster:{instance}"
    else:
        attributes["instanceName"] = instance
        attributes["usagetype"] = f"USE1-{component.replace(' ', '')}:{instance}"
    return attributes


def price_list(region: str) -> list[str]:
    """GetProducts' ``PriceList`` for the table: one JSON document per product."""
    documents = []
    for index, ((component, instance), usd) in enumerate(sorted(TABLE.items())):
        sku = f"DEMO{index:04d}"
        term = f"{sku}.JRTCKXETXF"
        documents.append(
            json.dumps(
                {
                    "product": {
                        "productFamily": "ML Instance",
                        "attributes": _attributes(region, component, instance),
                        "sku": sku,
                    },
                    "serviceCode": "AmazonSageMaker",
                    "terms": {
                        "OnDemand": {
                            term: {
                                "priceDimensions": {
                                    f"{term}.6YS6EN2CT7": {
                                        "unit": "Hrs",
                                        "pricePerUnit": {"USD": f"{usd:.10f}"},
                                        "description": f"${usd} per {component} {instance} hour",
                                    }
                                },
                                "sku": sku,
                                "offerTermCode": "JRTCKXETXF",
                            }
                        }
                    },
                    "version": "20261101000000",
                }
            )
        )
    return documents


def write_demo_prices(region: str, endpoint_url: str) -> Path:
    """Put the table where the console reads the prices of ``endpoint_url``; its path."""
    path = cache_path(region, endpoint_url)
    store_prices(path, parse_price_list(price_list(region)), time.time())
    return path
