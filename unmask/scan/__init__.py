"""Archive footage: `unmask scan` over folders of videos and image sequences.

sources (what to scan) -> worker (one file: tracks, liveness, embeddings, crops, clips; runs in
any process or on Ray) -> runner (in input order: identities, clusters, manifest, outputs).
"""
