from doudi.monitoring.models import Alert
from doudi.monitoring.services.run import do_run_monitoring
from doudi.monitoring.tests.conftest import ON, head_of, write_feed


def test_death_smoke(beneficiary, tmp_path, users):
    head = head_of(beneficiary)
    feeds = {"death": [write_feed(tmp_path, "death", [{"person": head, "death_date": ON.replace(day=1)}])]}
    result = do_run_monitoring(users["county_reviewer"], "430981", on=ON, feeds=feeds)
    print(result.by_rule, [a.summary for a in Alert.objects.all()])
    assert result.opened == 1
