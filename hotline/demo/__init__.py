"""``hotline demo``'s parts: two paired nodes on localhost and a traffic generator.

- :mod:`.session`: one run of the demo, from set-up to clean-up (what ``hotline demo`` calls);
- :mod:`.nodes`: set up, pair, start and link the two demo nodes (alpha dials bravo) with
  :mod:`hotline.provision`; :mod:`.summary` prints how to reach them;
- :mod:`.traffic`: per side a :mod:`.planner` (operations, liaison, emergencies over the shared
  area of :mod:`.region`, with the flights of :mod:`.profiles`, built by :mod:`.scenario` and
  :mod:`.emergency`) and a :mod:`.duty` officer acknowledging the other side's notices, through
  the nodes' REST API and stream (:mod:`.client`), each action logged on one line
  (:mod:`.actions`);
- :mod:`.errors`: what stops the demo.
"""
