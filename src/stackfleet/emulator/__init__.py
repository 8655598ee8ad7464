"""A multi-site emulator of the OpenStack REST APIs (Keystone, Nova, Neutron, Glance, Cinder).

One process serves many independent sites under /<site>/<service>/, each with its own Keystone
and state, faithful enough that openstacksdk and python-openstackclient cannot tell it from a
real cloud for the calls they make. It imports nothing else of Stackfleet: operators use it on its
own (`stackfleet emulator up`) to rehearse migrations and failovers and to test their automation.
"""
