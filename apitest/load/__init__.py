"""Load: Locust profiles with SLO gates, one `apitest_load` item per `[load.NAME]` table.

Locust is imported only by `_locust_main` and `_plugin`, which run in child processes (importing locust
monkey-patches gevent, which breaks pytest). The rest is engine-free:

    settings      [load] / [load.NAME] tables -> LoadSettings, LoadProfile, Slo
    shapes        a profile -> Plan: users over time (stages), or a timetable of request starts (arrival)
    traffic       no locustfile: safe reads derived from the spec -> a generated FastHttpUser locustfile
    safety        loopback or allow-listed hosts only
    runner        the Locust child under a hard time bound, killed by process group on overrun
    measurements  the child's raw statistics -> LoadResult (LatencyStats, TimelinePoint)
    slo           declared SLOs vs measured -> SloResult, and a Finding per breach
    progress      the live progress line on a terminal
    items         the pytest item tying these together
"""
