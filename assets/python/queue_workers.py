import multiprocessing

# here is the code to demonstrate the pool of worker processes in python using multiprocessing module

def worker_process(task_queue):   # to perform certain task through this function...
    while True:
        task = task_queue.get()
        if task is None:
            break
        print("Processing task ; ",task)
        
if __name__=="__main__":
    task_queue = multiprocessing.Queue()
    
    processes = []
    for i in range(4):   # here we are creating 4 worker processes..
        m1 = multiprocessing.Process(target=worker_process,args=(task_queue,))
        m1.start()   # to start worker process
        processes.append(m1)
        
    for i in range(10):   # here we are adding some task to queue
        task_queue.put(i)
        
    for i in range(4):   # this is to tell worker process to exit 
        task_queue.put(None)
            
    for m in processes:  #to wait till the process is finished..
        m.join()
