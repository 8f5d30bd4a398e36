import multiprocessing

def num_square(n):
    print(f"square of {n} is {n**2}")
    
def num_cube(n):
    print(f"cube of {n} is {n**3}")
    
if __name__=="__main__":
    m1 = multiprocessing.Process(target=num_square,args=(123,))
    m2 = multiprocessing.Process(target=num_cube,args=(123,))
    
    m1.start()
    m2.start()
    
    m1.join()
    m2.join()
