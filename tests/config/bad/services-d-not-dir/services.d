i am a file
