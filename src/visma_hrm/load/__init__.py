"""The loading side: what turns spooled export files into rows dlt loads.

``source`` (the dlt source over spooled exports), ``rows`` (what every parsed batch gets),
``pseudonyms`` (the ``pseudonymize`` profile on every batch), ``positions`` (where each tenant
and dataset stands, as the destination records it), ``first_load`` (append instead of merge
where provably safe), ``native_heap`` (glibc tuning for the parse) and ``dlt_internals`` (the
one module that knows dlt below its public API).
"""
