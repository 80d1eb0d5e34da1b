"""Two runs started at once in one process check their out folder at once: the write probe was named by the pid
only, so one thread's unlink removed the other's probe and a writable folder was refused (a flaky
test_two_fresh_runs_started_at_once_get_folders_of_their_own: "cannot write there (No such file or directory)")."""

import threading

from difflab.runner import rundir


def test_concurrent_checks_of_one_writable_folder_all_pass(tmp_path):
    errors: list = []
    start = threading.Barrier(4)

    def check():
        start.wait()
        for _ in range(200):
            try:
                rundir.check_folder("out=", tmp_path / "runs")
            except ValueError as err:
                errors.append(str(err))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(tmp_path.iterdir()) == []  # no probe left behind
