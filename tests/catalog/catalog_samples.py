"""Catalog and workflow files shaped like real ones, and a helper that lays them out as checked-out repositories.

The Component follows the shape of the example in Backstage's descriptor-format documentation (labels,
annotations, tags, links, providesApis / consumesApis / dependsOn); the Groups form an organisation -> department
-> team hierarchy as Backstage's org data does.
"""

from __future__ import annotations

from pathlib import Path

ARTIST_WEB = """\
# Backstage descriptor: the website plus the API it provides and the database it uses.
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: artist-web
  title: Artist Web
  description: The place to be, for great artists
  labels:
    example.com/custom: custom_label_value
  annotations:
    github.com/project-slug: acme/artist-web
    pagerduty.com/service-id: PARTIST
    backstage.io/source-template: template:default/react-website
    backstage.io/techdocs-ref: dir:.
    example.com/service-discovery: artistweb
  tags:
    - java
  links:
    - url: https://admin.example-org.com
      title: Admin Dashboard
      icon: dashboard
spec:
  type: website
  lifecycle: production
  owner: group:default/artist-relations
  system: public-websites
  providesApis:
    - artist-api
  consumesApis:
    - api:default/payments-api
  dependsOn:
    - resource:default/artists-db
    - component:search-web
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: artist-api
  description: Retrieve artist details
spec:
  type: openapi
  lifecycle: production
  owner: artist-relations
  system: public-websites
  definition: |
    openapi: "3.0.0"
    info:
      title: Artist API
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: artists-db
spec:
  type: database
  owner: artist-relations
  system: public-websites
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: public-websites
spec:
  owner: artist-relations
  domain: artists
"""

ORG_GROUPS = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: acme-corp
spec:
  type: organization
  profile:
    displayName: ACME Corp
  children: [infrastructure, artists]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: artists
  description: The artists business unit
spec:
  type: business-unit
  parent: acme-corp
  children: [artist-relations]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: artist-relations
spec:
  type: team
  profile:
    displayName: Artist Relations
    email: artist-relations@example.com
  parent: artists
  children: []
  members: [jdoe]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: infrastructure
spec:
  type: department
  parent: acme-corp
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
spec:
  type: team
  parent: group:default/infrastructure
  children: []
"""

# A monorepo: one root file holding one component and pointing at another component's file in a sub-folder.
SHOP_ROOT = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: shop-components
spec:
  targets:
    - ./services/checkout/catalog-info.yaml
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  annotations:
    github.com/project-slug: acme/shop
    backstage.io/source-location: url:https://github.com/acme/shop/tree/main/services/cart/
spec:
  type: service
  lifecycle: production
  owner: platform
"""

SHOP_CHECKOUT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    github.com/project-slug: acme/shop
spec:
  type: service
  lifecycle: experimental
  owner: group:checkout-crew
"""

# The second document is malformed; the first and the third must still load.
MALFORMED = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
spec: {type: service, lifecycle: production, owner: platform}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger-worker
  annotations: [unclosed
spec:
  owner: platform
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: ledger-db
spec: {type: database, owner: platform}
"""

DEPLOY_WORKFLOW = """\
name: Deploy
on:
  push:
    branches: [main]
jobs:
  build:
    uses: acme/platform-workflows/.github/workflows/build.yml@v3.1.0
  deploy:
    needs: build
    # uses: acme/platform-workflows/.github/workflows/platform-deploy.yml@v1 (the old way)
    uses: acme/platform-workflows/.github/workflows/platform-deploy.yml@v2
    with:
      environment: production
    secrets: inherit
  notify:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/workflows/local.yml
"""

CURRENT_WORKFLOW = """\
name: Deploy
on: push
jobs:
  deploy:
    uses: "acme/platform-workflows/.github/workflows/platform-deploy.yml@v3"
"""


def write(root: Path, repository: str, path: str, text: str) -> Path:
    target = root / repository / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def write_org(root: Path) -> Path:
    """Five repositories: artist-web, shop (monorepo), ledger (malformed document), org-data (Groups), legacy."""
    write(root, "artist-web", "catalog-info.yaml", ARTIST_WEB)
    write(root, "artist-web", ".github/workflows/deploy.yml", DEPLOY_WORKFLOW)
    write(root, "shop", "catalog-info.yaml", SHOP_ROOT)
    write(root, "shop", "services/checkout/catalog-info.yaml", SHOP_CHECKOUT)
    write(root, "shop", ".github/workflows/deploy.yml", CURRENT_WORKFLOW)
    write(root, "ledger", "catalog-info.yaml", MALFORMED)
    write(root, "org-data", "groups.yaml", ORG_GROUPS)
    write(root, "legacy", "README.md", "no catalog file here\n")
    return root
