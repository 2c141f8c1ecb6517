{
  "targets": [
    {
      "target_name": "vigil_walk",
      "sources": ["walk.c"],
      "cflags": ["-O2", "-Wall", "-ffp-contract=off"]
    }
  ]
}
