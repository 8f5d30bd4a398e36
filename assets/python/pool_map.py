import multiprocessing

# here is the code to demonstrate the multiprocessing pool in python..
def square(n):
    return n**2

if __name__ =="__main__":
    with multiprocessing.Pool(processes=5) as pool:   # distribute the list among 5 different process....
        out = pool.map(square,[1,2,3,4,5,6,7,8,9,10])
        print(out) 
