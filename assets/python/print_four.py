import multiprocessing

def print_number(n):   # this is the function to print the number..
    print(n)
    
if __name__=="__main__":
    
    processes=[]
    
    for i in range(4):   # this will create four processes
        process = multiprocessing.Process(target=print_number,args=(i,))
        processes.append(process)
        
    for process in processes:   
        process.start()   # to start the processes
        
    for process in processes:
        process.join()   # to wait till the process is finished..
