# Test oracle: Ansible's own InventoryManager evaluates --limit patterns.
# Usage: /usr/bin/python3 ansible-oracle.py INVENTORY < patterns (JSON list) > results (JSON list of host lists or {"error"})
import json, sys
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display
Display().verbosity = 0
im = InventoryManager(loader=DataLoader(), sources=[sys.argv[1]])
out = []
for p in json.load(sys.stdin):
    try:
        im.subset(p)
        im.clear_pattern_cache()
        out.append([h.name for h in im.get_hosts('all')])
    except Exception as e:
        out.append({"error": str(e)})
    im.subset(None)
json.dump(out, sys.stdout)
