import multiprocessing
import time

def nap(ms):
    time.sleep(ms / 1000)
    return ms

results = []

def collect(result):
    results.append(result)

if __name__ == '__main__':
    with multiprocessing.Pool(3) as pool:
        for ms in [300, 100, 200]:
            pool.apply_async(nap, args=(ms,), callback=collect)
        pool.close()
        pool.join()
    print(results)
