"""Common Russian and Indian given names, with the Latin spellings of each.

Two uses in matching: spellings of one name compare as one (`Pyotr` and `Petr`, `Yulia` and
`Julia`), and two *different* known given names (`Rajesh` and `Rakesh`, `Elena` and `Alena`) are
a different person rather than a typo, however close the letters. The groups are spellings of
one name, never nicknames (`Sasha` is not `Aleksandr` here: a nickname is an alias a list states).
"""

from __future__ import annotations

from vostro.errors import invariant

RUSSIAN = """
aleksandr alexander aleksander alexandr | aleksei alexei alexey aleksey alexej | alena alyona |
anastasia anastasiya | anatoli anatoly anatoliy | andrei andrey andrej | anna | anton |
arkadi arkady arkadiy | artem artyom artiom | boris | daria darya dariya | denis |
dmitri dmitry dmitrii dmitriy | elena yelena jelena | elvira | ekaterina yekaterina |
evgeni evgeny yevgeny evgenii evgeniy yevgeniy | fedor fyodor feodor | galina |
gennadi gennady gennadiy | georgi georgy georgii georgiy | german herman | gleb | igor |
ilia ilya | irina | ivan | iuri yuri yury yuriy iurii jurij | iulia yulia julia yuliya | kirill |
konstantin | ksenia kseniya xenia | leonid | liudmila lyudmila ludmila | maksim maxim |
maria mariya | marina | mikhail | nadezhda | natalia natalya nataliya | nikita |
nikolai nikolay | oleg | olga | pavel | petr pyotr piotr | polina | roman | ruslan |
sergei sergey sergej | stanislav | svetlana | tatiana tatyana | timur | valeri valery valeriy |
vasili vasily vasiliy | vera | viacheslav vyacheslav | viktor victor | vitali vitaly vitaliy |
vladimir | vladislav | yaroslav iaroslav | zinaida | alisher | grigori grigory grigoriy |
oksana | olesya
"""
INDIAN = """
abhinav | abhishek | aditya | aishwarya | ajay | akash | amit | amitabh | anil | anita | anjali |
arjun | arun | ashok | deepak dipak | dinesh | ganesh | gautam | gita geeta | harish | imran |
irfan | kavita kavitha | krishna | lakshmi laxmi | lalita | mahesh | manish | manoj | meena |
mohammed mohammad muhammad mohamed mohd | mukesh | naresh | narendra | neha | nirav | pankaj |
piyush | pooja puja | prakash | priya | rafi | rahul | rajesh | rakesh | ram | ramesh | ravi |
ravindra | rohit | sachin | sanjay | santosh | saurabh | savita | shyam | srinivas srinivasa |
sumit | sunil | sunita suneeta | suresh | uma | usha | venkatesh | vijay | vikas | vinay |
vinod | vishal | yogesh
"""


def groups() -> list[list[str]]:
    """Each known given name's spellings, the first being the one it is compared as."""
    found = [group.split() for group in (RUSSIAN + "|" + INDIAN).split("|") if group.strip()]
    invariant(all(len(set(g)) == len(g) for g in found), "a spelling is listed twice")
    return found
